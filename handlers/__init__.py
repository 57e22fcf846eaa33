"""AWS Lambda entry points: `http` (API Gateway, ALB, Function URL) and, later, `jobs`."""
