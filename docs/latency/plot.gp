# Renders e2e_720p60.csv and e2e_1080p60.csv (punktfunk-bench e2e --csv-dir
# docs/latency) as histogram.png, capture → decoded per frame:
#   gnuplot docs/latency/plot.gp      (from the repository root)
set datafile separator ","
set terminal pngcairo size 1000,560 font ",11" noenhanced
set output "docs/latency/histogram.png"
set title "Capture → decoded latency per frame, host and client on loopback\nsynthetic source, x264, 20 Mb/s (punktfunk-bench e2e)"
set xlabel "capture → decoded (ms)"
set ylabel "frames (%)"
set key top right
set grid
set style fill transparent solid 0.45 noborder
bin_width = 0.5
bin(x) = bin_width * floor(x / bin_width) + bin_width / 2
set boxwidth bin_width * 0.9 absolute
stats "docs/latency/e2e_720p60.csv" using 3 name "A" nooutput
stats "docs/latency/e2e_1080p60.csv" using 3 name "B" nooutput
set xrange [0:*]
plot "docs/latency/e2e_720p60.csv" every ::1 using (bin($3)):(100.0 / A_records) smooth frequency with boxes title "1280x720@60", \
     "docs/latency/e2e_1080p60.csv" every ::1 using (bin($3)):(100.0 / B_records) smooth frequency with boxes title "1920x1080@60"
