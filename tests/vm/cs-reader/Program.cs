using System.Globalization;
using DpcPi.Vm.Uapi;

// Same measurement as tests/vm/c-reader/gpio_reader.c, in C#:
//   latency = CLOCK_MONOTONIC when read() returns - event.timestamp_ns, per edge event,
// with the edges made by the stimulus process (src/DpcPi.Stimulus) writing pull-up/pull-down to the
// gpio-sim pull file, one edge per interval. The first max(warmup edges, warmup ms / interval) edges
// are not recorded (the JIT's first-edge compilation); the stimulus makes them on top of <edges>.
// usage: dpcpi-vm-reader <chip> <line> <pull-file> <edges> <interval_us> <json-out> <warmup-edges> <warmup-ms> <stimulus>
if (args.Length < 9)
{
    Console.Error.WriteLine("usage: dpcpi-vm-reader <chip> <line> <pull-file> <edges> <interval_us> <json-out> <warmup-edges> <warmup-ms> <stimulus>");
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var chip = args[0];
var line = int.Parse(args[1], inv);
var pullFile = args[2];
var edges = int.Parse(args[3], inv);
var intervalUs = long.Parse(args[4], inv);
var json = args[5];
var warmupMs = long.Parse(args[7], inv);
var warmup = (int)Math.Max(int.Parse(args[6], inv), (warmupMs * 1000 + intervalUs - 1) / intervalUs);
var generated = edges + warmup;

using var pull = new SimPull(pullFile);
pull.Set(false);
Thread.Sleep(20);
using var req = VmLineRequest.RequestBothEdges(chip, line, "dpcpi-cs-reader", 1024);

var lat = new long[edges + 16];
int nlat = 0, delivered = 0;
uint lastSeq = 0;
long lost = 0, merged = 0;
var lastId = LineEvent.FallingEdge;
var buf = new LineEvent[16];
using var stimulus = System.Diagnostics.Process.Start(args[8],
    ["--pull", pullFile, "--edges", generated.ToString(inv), "--interval-us", intervalUs.ToString(inv)]);
var stimulusDone = false;
while (true)
{
    var n = req.ReadEvents(buf, stimulusDone ? 500 : 200);
    var t = Mono.NowNs();
    if (n == 0)
    {
        if (stimulusDone)
        {
            break; // the stimulus has finished and nothing came for 500 ms
        }

        stimulusDone = stimulus.HasExited;
        continue;
    }

    for (var i = 0; i < n; i++)
    {
        ref readonly var e = ref buf[i];
        if (e.LineSeqno > lastSeq + 1)
        {
            lost += e.LineSeqno - lastSeq - 1;
        }
        else if (e.Id == lastId)
        {
            merged++;
        }

        lastSeq = e.LineSeqno;
        lastId = e.Id;
        if (delivered >= warmup && nlat < lat.Length)
        {
            lat[nlat++] = t - (long)e.TimestampNs;
        }

        delivered++;
    }
}

stimulus.WaitForExit();
var stimulusOk = stimulus.ExitCode == 0;
if (!stimulusOk)
{
    Console.Error.WriteLine($"dpcpi-vm-reader: the stimulus failed (exit {stimulus.ExitCode})");
}

Array.Sort(lat, 0, nlat);
long Pct(double p) => nlat == 0 ? 0 : lat[Math.Clamp((int)Math.Ceiling(p / 100.0 * nlat) - 1, 0, nlat - 1)];
var (p50, p99, max, min) = (Pct(50), Pct(99), nlat > 0 ? lat[nlat - 1] : 0, nlat > 0 ? lat[0] : 0);
Console.WriteLine(string.Create(inv,
    $"CS_READER: count={nlat} p50_ns={p50} p99_ns={p99} max_ns={max} min_ns={min} generated={generated} delivered={delivered} lost={lost} merged={merged}"));
File.WriteAllText(json, string.Create(inv,
    $$$"""{"reader": "csharp", "chip": "{{{chip}}}", "line": {{{line}}}, "interval_us": {{{intervalUs}}}, "warmup": {{{warmup}}}, "warmup_ms": {{{warmupMs}}}, "generated": {{{generated}}}, "delivered": {{{delivered}}}, "lost": {{{lost}}}, "merged": {{{merged}}}, "edge_to_handler": {"count": {{{nlat}}}, "min_ns": {{{min}}}, "p50_ns": {{{p50}}}, "p99_ns": {{{p99}}}, "max_ns": {{{max}}}}, "samples_ns": [{{{string.Join(',', lat.Take(nlat))}}}]}""") + "\n");
return nlat > 0 && stimulusOk ? 0 : 1;
