#!/usr/bin/env bash
# Submit topicmix classify as an AWS Batch array job of 64 children: child i runs shard i of 64.
# AWS Batch sets AWS_BATCH_JOB_ARRAY_INDEX (0..63) in each child and AWS_BATCH_JOB_ARRAY_SIZE (64), which
# topicmix reads when no --shard is given (see docs/scale-out.md for the precedence). The corpus and the
# output folder are on an EFS volume every child mounts (job-definition.json).
set -euo pipefail
queue=${1:?usage: submit.sh JOB_QUEUE}
aws batch register-job-definition --cli-input-json file://"$(dirname "$0")/job-definition.json" >/dev/null
id=$(aws batch submit-job --job-name topicmix-classify --job-queue "$queue" --job-definition topicmix-classify \
  --array-properties size=64 --query jobId --output text)
echo "submitted array job $id; when it succeeds: npx topicmix report --merge /data/out/part-*.report.json -o /data/report.json"
