from worker import Worker


def use(w: Worker) -> None:
    w.run()
