# expect: SEC028
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(host="::", port=8080)
