module tracker/bench/loadgen

go 1.27
