from helpers import tool

tool()
