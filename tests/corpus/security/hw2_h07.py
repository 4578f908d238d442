# expect: SEC009
import pickle
from flask import Flask, request

app = Flask(__name__)


@app.post("/model")
def load_model():
    model = pickle.load(request.files["model"])
    return {"classes": list(model.classes_)}
