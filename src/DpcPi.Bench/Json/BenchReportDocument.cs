using System.Text.Json.Serialization;

namespace DpcPi.Bench.Json;

// The `dpcpi bench --json` document (docs/bench-report.schema.json). Property names become the schema's keys
// through the context's snake_case policy; declaration order is key order. Fields are only ever added.

/// <summary>The whole bench document; the two optional sections appear only when their flag ran them.</summary>
internal sealed record BenchReportDocument(
    int SchemaVersion,
    string Mode,
    int ProcessorCount,
    IReadOnlyList<ContenderDocument> Results,
    IReadOnlyList<GoalDocument> Goals,
    IReadOnlyList<string> Notes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ManyLinesDocument? ManyLines,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, object?>? TimerVsCyclictest);

internal sealed record ContenderDocument(
    string Name,
    long P50Ns,
    long P90Ns,
    long P99Ns,
    long P999Ns,
    long MaxNs,
    long MinNs,
    double AvgNs,
    long Count,
    long Lost,
    double ThroughputPerS,
    long ThroughputProduced,
    long ThroughputHandled,
    long ThroughputLost,
    double BytesPerInterrupt,
    double? P50RatioToRaw,
    double? P99RatioToRaw,
    long? QueueWaitP50Ns,
    long? QueueWaitP99Ns,
    double? StealPercent,
    IReadOnlyList<long> RoundP50Ns,
    IReadOnlyList<string> Notes);

internal sealed record GoalDocument(string Goal, bool Met, string Detail);

/// <summary>`--lines`: the cost of an edge when one line request carries N active lines (<see cref="ManyLinesBench"/>).</summary>
internal sealed record ManyLinesDocument(int InFlight, IReadOnlyList<LinesCaseDocument> Cases);

internal sealed record LinesCaseDocument(int Lines, long Edges, double NsPerEdge, double RatioToFirst, long Lost);
