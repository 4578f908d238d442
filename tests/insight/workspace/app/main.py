from app.util import helper


class Runner:
    def run(self, value):
        return helper(value) + self.step()

    def step(self):
        return helper(1)


def main():
    return Runner().run(3)
