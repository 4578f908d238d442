import util as u


def main():
    u.greet()
