class Thing:
    def use(self):
        pass


def main():
    t = Thing()
    t.use()
