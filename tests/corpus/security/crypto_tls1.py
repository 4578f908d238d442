# expect: SEC027
import ssl


def legacy_context():
    return ssl.SSLContext(ssl.PROTOCOL_TLSv1)
