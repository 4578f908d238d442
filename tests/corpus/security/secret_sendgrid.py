# expect: SEC030
import sendgrid

sg = sendgrid.SendGridAPIClient(api_key="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")
