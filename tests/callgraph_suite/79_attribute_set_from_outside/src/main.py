class Button:
    def __init__(self):
        self.on_click = None

    def click(self):
        self.on_click()


def handler():
    pass


def main():
    b = Button()
    b.on_click = handler
    b.click()
