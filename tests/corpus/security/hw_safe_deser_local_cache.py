# safe: SEC009
import pickle
from pathlib import Path

CACHE = Path(__file__).with_name("model.pkl")


def save_model(model):
    CACHE.write_bytes(pickle.dumps(model))
