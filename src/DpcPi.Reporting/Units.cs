using System.Globalization;

namespace DpcPi.Reporting;

/// <summary>Number formatting shared by the renderers (invariant culture, µs with up to 3 decimals).</summary>
internal static class Units
{
    public static string Us(long ns) => (ns / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    public static string Us(double ns) => (ns / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    public static string Fixed(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
