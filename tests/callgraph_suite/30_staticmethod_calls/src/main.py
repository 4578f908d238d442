class Math:
    @staticmethod
    def double(x):
        return x * 2

    def quad(self, x):
        return self.double(self.double(x))


def main():
    Math.double(2)
    Math().quad(3)
