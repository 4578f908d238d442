from b import *


def shallow():
    deep()
