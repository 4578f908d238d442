def original():
    pass


alias = original


def main():
    alias()
