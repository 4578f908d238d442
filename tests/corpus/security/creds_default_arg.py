# expect: SEC024
import pymysql


def open_db(host="localhost", user="root", passwd="toor1234"):
    return pymysql.connect(host=host, user=user, passwd=passwd)
