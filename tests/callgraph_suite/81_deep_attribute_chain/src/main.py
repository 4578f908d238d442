class Session:
    def commit(self):
        pass


class Database:
    def __init__(self):
        self.session = Session()


class App:
    def __init__(self):
        self.db = Database()


def main():
    app = App()
    app.db.session.commit()
