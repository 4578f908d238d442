# expect: SEC026
import numpy as np


def cache(arr):
    np.save("/dev/shm/features.npy", arr)
