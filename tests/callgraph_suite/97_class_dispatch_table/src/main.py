class Machine:
    def _start(self):
        pass

    def _stop(self):
        pass

    ACTIONS = {"start": _start, "stop": _stop}

    def do(self, name):
        self.ACTIONS[name](self)
