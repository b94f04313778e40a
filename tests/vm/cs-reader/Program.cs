using System.Globalization;
using DpcPi.Vm.Uapi;

// Same measurement as tests/vm/c-reader/gpio_reader.c, in C#:
//   latency = CLOCK_MONOTONIC when read() returns - event.timestamp_ns, per edge event,
// with a driver thread writing pull-up/pull-down to the gpio-sim pull file at a fixed interval.
// usage: dpcpi-vm-reader <chip> <line> <pull-file> <edges> <interval_us> <json-out> [warmup]
if (args.Length < 6)
{
    Console.Error.WriteLine("usage: dpcpi-vm-reader <chip> <line> <pull-file> <edges> <interval_us> <json-out> [warmup]");
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var chip = args[0];
var line = int.Parse(args[1], inv);
var pullFile = args[2];
var edges = int.Parse(args[3], inv);
var intervalUs = long.Parse(args[4], inv);
var json = args[5];
var warmup = args.Length > 6 ? int.Parse(args[6], inv) : 10;

using var pull = new SimPull(pullFile);
pull.Set(false);
Thread.Sleep(20);
using var req = VmLineRequest.RequestBothEdges(chip, line, "dpcpi-cs-reader", 1024);

var driverDone = 0;
var driver = new Thread(() =>
{
    var next = Mono.NowNs();
    for (var i = 0; i < edges; i++)
    {
        next += intervalUs * 1000;
        Mono.SleepUntil(next);
        pull.Set(i % 2 == 0);
    }

    Volatile.Write(ref driverDone, 1);
})
{ IsBackground = true, Name = "pull-driver" };

var lat = new long[edges + 16];
int nlat = 0, delivered = 0;
uint lastSeq = 0;
long lost = 0, merged = 0;
var lastId = LineEvent.FallingEdge;
var buf = new LineEvent[16];
driver.Start();
while (true)
{
    var n = req.ReadEvents(buf, Volatile.Read(ref driverDone) == 1 ? 500 : 2000);
    var t = Mono.NowNs();
    if (n == 0)
    {
        if (Volatile.Read(ref driverDone) == 1)
        {
            break;
        }

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

driver.Join();
Array.Sort(lat, 0, nlat);
long Pct(double p) => nlat == 0 ? 0 : lat[Math.Clamp((int)Math.Ceiling(p / 100.0 * nlat) - 1, 0, nlat - 1)];
var (p50, p99, max, min) = (Pct(50), Pct(99), nlat > 0 ? lat[nlat - 1] : 0, nlat > 0 ? lat[0] : 0);
Console.WriteLine(string.Create(inv,
    $"CS_READER: count={nlat} p50_ns={p50} p99_ns={p99} max_ns={max} min_ns={min} generated={edges} delivered={delivered} lost={lost} merged={merged}"));
File.WriteAllText(json, string.Create(inv,
    $$$"""{"reader": "csharp", "chip": "{{{chip}}}", "line": {{{line}}}, "interval_us": {{{intervalUs}}}, "warmup": {{{warmup}}}, "generated": {{{edges}}}, "delivered": {{{delivered}}}, "lost": {{{lost}}}, "merged": {{{merged}}}, "edge_to_handler": {"count": {{{nlat}}}, "min_ns": {{{min}}}, "p50_ns": {{{p50}}}, "p99_ns": {{{p99}}}, "max_ns": {{{max}}}}, "samples_ns": [{{{string.Join(',', lat.Take(nlat))}}}]}""") + "\n");
return nlat > 0 ? 0 : 1;
