# expect: SEC024
CONFIG = {
    "host": "ftp.example.com",
    "user": "backup",
    "password": "B4ckup!ftp",
}
