# expect: SEC024
import smtplib


def send_report(body):
    server = smtplib.SMTP("smtp.example.com", 587)
    server.starttls()
    server.login("reports@example.com", password="r3p0rts-mailer")
    server.sendmail("reports@example.com", ["ops@example.com"], body)
