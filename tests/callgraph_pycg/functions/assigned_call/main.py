def make():
    return 1

def use():
    value = make()
    return value

use()
