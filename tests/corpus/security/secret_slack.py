# expect: SEC030
from slack_sdk import WebClient

client = WebClient(token="xoxb-47104974650-752917034236-z63FfkCzJr4i0B3JrTAwR4y9")


def announce(text):
    client.chat_postMessage(channel="#deploys", text=text)
