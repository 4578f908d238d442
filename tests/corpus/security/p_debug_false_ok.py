# safe: SEC025
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(debug=False, port=5000)
