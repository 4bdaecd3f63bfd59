#!/usr/bin/env bash
# Queue the classify array (N tasks = N shards) and the merge of its reports, which starts when every
# task has succeeded (and is cancelled if one fails).
#   usage: examples/slurm/submit.sh N [sbatch options for both jobs, e.g. --partition=cpu]
#   env:   TOPICMIX MODEL INPUTS OUT CLASSIFY_ARGS REPORT (see the two .sbatch files);
#          WAIT=1 waits for the merge and exits non-zero unless every shard is done and merged.
set -euo pipefail
N=${1:?usage: submit.sh N [sbatch options...]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-tagged}
REPORT=${REPORT:-$OUT/report.json}
mkdir -p logs "$OUT"             # sbatch --output needs its folder to exist
jid=$(sbatch --parsable --array=0-$((N - 1)) "$@" "$HERE/classify-array.sbatch")
jid=${jid%%;*}                   # --parsable prints "id" or "id;cluster"
echo "classify array job $jid: $N tasks"
if [[ -z "${WAIT:-}" ]]; then
  sbatch --dependency=afterok:"$jid" --kill-on-invalid-dep=yes "$@" "$HERE/merge-reports.sbatch"
  exit 0
fi
# sbatch --wait has no timeout of its own (wrap this script in `timeout` in CI), and it returns 0 for a
# job cancelled because a task it depends on failed: check the outcome on disk instead.
sbatch --wait --dependency=afterok:"$jid" --kill-on-invalid-dep=yes "$@" "$HERE/merge-reports.sbatch" || true
ok=1
for ((i = 0; i < N; i++)); do
  marker=$(printf '%s/.done/part-%05d.json' "$OUT" "$i")
  if [[ ! -f "$marker" ]]; then echo "shard $i is not done (no $marker): see its log" >&2; ok=0
  elif [[ ! -f "$REPORT" || "$marker" -nt "$REPORT" ]]; then echo "$REPORT is missing or older than $marker: the merge did not run" >&2; ok=0; fi
done
[[ $ok == 1 ]] && echo "done: $N shards in $OUT, merged report $REPORT"
[[ $ok == 1 ]]
