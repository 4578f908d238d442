class Config:
    def __init__(self, data):
        self.data = data

    @classmethod
    def load(cls, path):
        data = cls.parse(path)
        return cls(data)

    @staticmethod
    def parse(path):
        return path

    def show(self):
        pass


def main():
    cfg = Config.load("x")
    cfg.show()
