# safe: SEC030
SECRET_KEY = "replace-me-in-production"
API_TOKEN = "your-api-token-here"
STRIPE_KEY = "sk_test_placeholder"
DB_URL = "postgresql://app:${DB_PASSWORD}@db:5432/app"
