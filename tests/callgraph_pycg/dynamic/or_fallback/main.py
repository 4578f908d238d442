def primary():
    pass

def backup():
    pass

def get(flag):
    return flag or primary

handler = get(None) or backup
handler()
