# expect: SEC026
import json


def save_state(state):
    with open("/tmp/app_state.json", "w") as fh:
        json.dump(state, fh)
