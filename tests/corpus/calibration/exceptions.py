import json
import logging
import shutil

log = logging.getLogger(__name__)


def load(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except:  # expect: Q001
        return None


def move(src, dst):
    try:
        shutil.move(src, dst)
    except:  # expect: Q001
        log.warning("move failed")


def cleanup_then_reraise(tmp):
    try:
        tmp.write("x")
    except:  # fp: Q001 (re-raises after cleanup: Ctrl-C still propagates)
        tmp.close()
        raise


def parse_port(text):
    try:
        return int(text)
    except:  # expect: Q001
        return 8080


def fetch_all(client, ids):
    out = []
    for i in ids:
        try:
            out.append(client.get(i))
        except:  # expect: Q001
            pass
    return out


def worker(queue):
    while True:
        try:
            job = queue.get()
            job()
        except:  # expect: Q001
            continue


def to_float(x):
    try:
        return float(x)
    except:  # expect: Q001
        return 0.0


def close_quietly(conn):
    try:
        conn.close()
    except:  # expect: Q001
        pass


def import_optional():
    try:
        import yaml  # noqa: F401
        return True
    except:  # expect: Q001
        return False


def guarded_main(main):
    try:
        main()
    except:  # fp: Q001 (top-level handler that logs and re-raises)
        log.exception("crash")
        raise
