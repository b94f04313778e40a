using System.Text.Json.Serialization;

namespace DpcPi.Reporting.Json;

/// <summary>
/// The report documents' serializer, generated at build time (no reflection at run time, so a trimmed or AOT
/// build writes the same bytes). Snake_case keys and two-space indentation, as the schemas and older files have.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(LatencyReportDocument))]
internal sealed partial class ReportingJsonContext : JsonSerializerContext;
