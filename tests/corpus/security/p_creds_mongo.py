# expect: SEC024
from pymongo import MongoClient


def client():
    return MongoClient("mongo.internal", 27017, username="app", password="M0ngo!2024")
