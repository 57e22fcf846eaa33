#!/usr/bin/env bash
# Deploy the packaged stack (.serverless/, from `osls package --stage STAGE --region REGION`)
# with the migrations before the new code takes traffic:
#   ./scripts/deploy-aws.sh prod us-east-1
# 1. Stack exists: update only the migrate function's code to the new bundle and invoke it
#    (one at a time: reserved concurrency 1 and a MySQL named lock; the CLI waits 330 s, longer
#    than the function's 300 s, and never retries). Then `osls deploy --package`: the new http
#    version is published and the `snapstart` alias moves to it; the jobs get the new code.
# 2. First deploy: `osls deploy --package`, wait for the RDS Proxy target to be AVAILABLE, migrate.
# The previous http version is printed first: rolling back is
#   aws lambda update-alias --function-name taskdesk-STAGE-http --name snapstart \
#     --function-version PREVIOUS
set -euo pipefail
cd "$(dirname "$0")/.."
stage=${1:?stage}
region=${2:?region}
osls=./node_modules/.bin/osls
fn="taskdesk-$stage"

migrate() {
  AWS_MAX_ATTEMPTS=1 aws lambda invoke --region "$region" --function-name "$fn-migrate" \
    --cli-read-timeout 330 --cli-connect-timeout 10 --payload '{}' \
    --cli-binary-format raw-in-base64-out migrate.json > migrate.meta
  cat migrate.json
  if grep -q FunctionError migrate.meta; then
    echo "deploy-aws: migrate failed; production still runs the previous version" >&2
    exit 1
  fi
}

if aws cloudformation describe-stacks --region "$region" --stack-name "$fn" >/dev/null 2>&1; then
  previous=$(aws lambda get-alias --region "$region" --function-name "$fn-http" \
    --name snapstart --query FunctionVersion --output text 2>/dev/null || echo none)
  echo "deploy-aws: http serves version $previous (roll back to it with update-alias)"
  aws lambda update-function-code --region "$region" --function-name "$fn-migrate" \
    --zip-file "fileb://.serverless/taskdesk.zip" > /dev/null
  aws lambda wait function-updated-v2 --region "$region" --function-name "$fn-migrate"
  migrate
  "$osls" deploy --stage "$stage" --region "$region" --package .serverless
else
  "$osls" deploy --stage "$stage" --region "$region" --package .serverless
  for _ in $(seq 60); do
    state=$(aws rds describe-db-proxy-targets --region "$region" --db-proxy-name "$fn" \
      --query "Targets[?Type=='RDS_INSTANCE'].TargetHealth.State" --output text)
    [ "$state" = AVAILABLE ] && break
    echo "deploy-aws: RDS Proxy target is ${state:-not registered}; waiting" >&2
    sleep 20
  done
  [ "$state" = AVAILABLE ] || { echo "deploy-aws: the proxy target never became AVAILABLE" >&2; exit 1; }
  migrate
fi
