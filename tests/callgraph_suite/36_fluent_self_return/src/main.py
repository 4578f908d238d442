class Query:
    def where(self, cond):
        return self

    def run(self):
        pass


def main():
    Query().where("a").where("b").run()
