# Renders bernoulli.csv (punktfunk-bench loss --csv) as bernoulli.png:
#   gnuplot docs/loss/plot.gp      (from the repository root)
set datafile separator ","
set terminal pngcairo size 1000,560 font ",11"
set output "docs/loss/bernoulli.png"
set title "Frames recovered byte-exact vs. random (Bernoulli) packet loss\n100 frames of 100,000 bytes (72 shards: gf8 and gf16 coincide, both are MDS) or 1 MiB (745 shards)"
set xlabel "packets dropped (%)"
set ylabel "frames recovered (%)"
set key outside right
set grid
set yrange [0:105]
set xrange [0:40]
plot for [col=2:10] "docs/loss/bernoulli.csv" using 1:col with linespoints title columnheader(col)
