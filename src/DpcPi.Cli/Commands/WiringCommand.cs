using DpcPi.Cli.CommandLine;
using DpcPi.Gpio;
using DpcPi.Labs.Wiring;
using DpcPi.Reporting;

namespace DpcPi.Cli.Commands;

/// <summary>`dpcpi wiring render|check`: generates wiring.svg from wiring.json, and validates every wiring file.</summary>
internal sealed class WiringCommand : ICommand
{
    public string Name => "wiring";

    public string Summary => "render wiring diagrams (wiring.svg) from wiring.json, or check every wiring file";

    public string Usage => """
        usage: dpcpi wiring render [--all | FILE...] [--root DIR]
               dpcpi wiring check [--root DIR]

        render  writes wiring.svg next to each wiring.json (--all: every wiring/<lab>/wiring.json).
        check   validates every wiring/<lab>/wiring.json and that its wiring.svg is up to date; exits 2 on an error.
        --root  the wiring/ folder (default: found by walking up from the current directory).
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var r = new ArgReader(Name, args);
        var verb = r.Positional() ?? throw r.Error("missing subcommand; allowed: render, check");
        var root = r.String(null, "root");
        return verb switch
        {
            "render" => Task.FromResult(Render(r, root, output)),
            "check" => Task.FromResult(Check(r, root, output)),
            _ => throw r.Error($"unknown subcommand '{verb}'; allowed: render, check"),
        };
    }

    private static int Render(ArgReader r, string? root, TextWriter output)
    {
        var all = r.Flag(null, "all");
        var files = new List<string>();
        while (r.Positional() is { } file)
        {
            files.Add(file);
        }

        r.EnsureEmpty();
        if (all == (files.Count > 0))
        {
            throw r.Error("give either --all or one or more wiring.json files");
        }

        if (all)
        {
            files.AddRange(WiringRenderer.FindWiringFiles(ResolveRoot(r, root)));
        }

        foreach (var file in files)
        {
            var svg = RenderOrThrow(r, file);
            var target = WiringRenderer.SvgPathFor(file);
            OutputFile.WriteAllText(target, svg);
            output.WriteLine($"wrote {target}");
        }

        return ExitCodes.Ok;
    }

    private static int Check(ArgReader r, string? root, TextWriter output)
    {
        r.EnsureEmpty();
        var problems = 0;
        var files = WiringRenderer.FindWiringFiles(ResolveRoot(r, root));
        foreach (var file in files)
        {
            try
            {
                var svg = WiringRenderer.Render(WiringLoader.Load(file));
                var target = WiringRenderer.SvgPathFor(file);
                if (!File.Exists(target) || File.ReadAllText(target) != svg)
                {
                    output.WriteLine($"{target}: out of date; run 'dpcpi wiring render {file}'.");
                    problems++;
                }
                else
                {
                    output.WriteLine($"ok  {file}");
                }
            }
            catch (WiringException ex)
            {
                output.WriteLine(ex.Message);
                problems++;
            }
        }

        output.WriteLine($"{files.Count} wiring file(s), {problems} problem(s).");
        return problems == 0 ? ExitCodes.Ok : ExitCodes.Usage;
    }

    private static string RenderOrThrow(ArgReader r, string file)
    {
        if (!File.Exists(file))
        {
            throw r.Error($"'{file}' does not exist");
        }

        try
        {
            return WiringRenderer.Render(WiringLoader.Load(file));
        }
        catch (WiringException ex)
        {
            throw new CliException(ex.Message, ExitCodes.Usage);
        }
    }

    private static string ResolveRoot(ArgReader r, string? root)
    {
        if (root is not null)
        {
            return Directory.Exists(root) ? root : throw r.Error($"--root '{root}' is not a directory");
        }

        return WiringRenderer.FindWiringRoot(Directory.GetCurrentDirectory())
            ?? throw r.Error("no wiring/ folder (with README.md) above the current directory; use --root DIR");
    }
}
