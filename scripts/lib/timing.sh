# Timing helpers for the benchmark scripts.
# seconds COMMAND...: wall time of one run of COMMAND, in seconds (its output discarded).
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    echo "scale=4; ($end - $start) / 1000000000" | bc
}

# median: the median of the numbers on standard input (whitespace separated).
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# ratio A B: A / B to three decimals.
ratio() { echo "scale=3; $1 / $2" | bc; }
