import os.path
import json

def run():
    json.dumps({})
    os.path.join("a", "b")

run()
