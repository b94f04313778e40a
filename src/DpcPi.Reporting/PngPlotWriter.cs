using System.Text;
using SkiaSharp;
using Svg.Skia;
using Svg.Skia.TypefaceProviders;

namespace DpcPi.Reporting;

/// <summary>
/// The <see cref="SvgPlotWriter"/> picture as a PNG, for places that show no SVG (chat, issue trackers, image viewers).
/// Svg.Skia draws the very same SVG, so the two can never disagree. SkiaSharp's native library ships for linux-x64 and
/// linux-arm64 without a fontconfig dependency, and every text is drawn with the embedded DejaVu Sans, so a PNG drawn on
/// a minimal image (no fontconfig, no fonts) has its labels. Where the library cannot load, <see cref="Available"/> is
/// false and the PNG is skipped, never the report.
/// </summary>
public static class PngPlotWriter
{
    private static readonly Lazy<string?> Unavailable = new(Probe);
    private static readonly Lazy<SKTypeface> Font = new(LoadFont);

    /// <summary>True when SkiaSharp's native library loads on this machine.</summary>
    public static bool Available => Unavailable.Value is null;

    /// <summary>Why PNGs cannot be drawn here, or null.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>Writes the report's plot as PNG; throws <see cref="InvalidOperationException"/> when <see cref="Available"/> is false.</summary>
    public static void Write(Stream stream, LatencyReport report)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(report);
        var png = Render(SvgPlotWriter.Render(report));
        stream.Write(png);
    }

    /// <summary>Draws an SVG document to PNG bytes at its own size (white background).</summary>
    public static byte[] Render(string svgDocument)
    {
        ArgumentException.ThrowIfNullOrEmpty(svgDocument);
        if (UnavailableReason is { } why)
        {
            throw new InvalidOperationException($"cannot draw PNG here: {why}");
        }

        using var svg = new SKSvg();
        svg.Settings.TypefaceProviders = [new EmbeddedFont(Font.Value)];
        using (var input = new MemoryStream(Encoding.UTF8.GetBytes(svgDocument)))
        {
            svg.Load(input);
        }

        var picture = svg.Picture ?? throw new InvalidOperationException("the SVG could not be drawn");
        var bounds = picture.CullRect;
        using var bitmap = new SKBitmap(Math.Max(1, (int)Math.Ceiling(bounds.Width)), Math.Max(1, (int)Math.Ceiling(bounds.Height)));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.DrawPicture(picture);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static SKTypeface LoadFont()
    {
        using var stream = typeof(PngPlotWriter).Assembly.GetManifestResourceStream("DpcPi.Reporting.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("the embedded font DejaVuSans.ttf is missing from DpcPi.Reporting");
        using var data = SKData.Create(stream); // a copy: the typeface outlives the resource stream
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException("the embedded font DejaVuSans.ttf could not be read");
    }

    /// <summary>One face for every family the SVG names (it names only sans-serif): the machine's fonts are never asked for.</summary>
    private sealed class EmbeddedFont(SKTypeface typeface) : ITypefaceProvider
    {
        public SKTypeface? FromFamilyName(string fontFamily, SKFontStyleWeight fontWeight, SKFontStyleWidth fontWidth, SKFontStyleSlant fontStyle) => typeface;
    }

    private static string? Probe()
    {
        try
        {
            using var bitmap = new SKBitmap(1, 1);
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException)
        {
            return $"SkiaSharp's native library did not load ({e.GetType().Name}: {e.Message})";
        }
    }
}
