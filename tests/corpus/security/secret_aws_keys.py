# expect: SEC030
"""Upload nightly exports to S3."""
import boto3

AWS_ACCESS_KEY_ID = "AKIAUJZDE8GXD6NCF10E"
AWS_SECRET_ACCESS_KEY = "El2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5"


def client():
    return boto3.client("s3", aws_access_key_id=AWS_ACCESS_KEY_ID,
                        aws_secret_access_key=AWS_SECRET_ACCESS_KEY)
