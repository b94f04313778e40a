using System.Text.Json.Serialization;

namespace DpcPi.Bench.Json;

/// <summary>
/// The bench document's serializer, generated at build time. The cyclictest comparison is a loose map (its keys
/// differ between a run and a failure), so the value types it holds are listed for the serializer to find.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchReportDocument))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(double[]))]
[JsonSerializable(typeof(long?[]))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
