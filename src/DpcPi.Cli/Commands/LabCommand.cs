using DpcPi.Cli.CommandLine;
using DpcPi.Gpio;
using DpcPi.Labs.Bindings;
using DpcPi.Labs.Framework;
using DpcPi.Labs.Wiring;

namespace DpcPi.Cli.Commands;

/// <summary>`dpcpi lab list` and `dpcpi lab NAME --source fake|gpio`: the teaching labs (wiring/&lt;lab&gt;/README.md).</summary>
internal sealed class LabCommand : ICommand
{
    public string Name => "lab";

    public string Summary => "list the labs, or run one (deterministic fake scenario, or on the Pi's pins: --source gpio)";

    public string Usage => """
        usage: dpcpi lab list
               dpcpi lab NAME [--source fake] [--no-bindings]
               dpcpi lab NAME --source gpio [--bindings] [--board MODEL] [--chip CHIP] [--wiring FILE] [-D DURATION]

        list             the labs with a one-line summary; each has a recipe in wiring/NAME/README.md.
        NAME             run lab NAME and print its report and figures.
        --source fake    the deterministic fake scenario (manual kernel on a virtual clock): exact figures (default).
        --source gpio    the lab's driver on real pins (Linux GPIO uAPI v2), wired as wiring/NAME/wiring.json says.
                         (--backend is the same flag, as for latency and soak.)
        --bindings       encoder, button, ultrasonic: on real pins, run Iot.Device.Bindings' device
                         (QuadratureRotaryEncoder, GpioButton, Hcsr04) on the lab's lines through
                         GpioController(new DpcPiGpioDriver(...)) beside DpcPi's kernel-stamped callbacks on
                         the same edges, instead of the lab's own driver. The fake run always prints this
                         comparison after its scenario (in real time); --no-bindings leaves it out.
        --board MODEL    the board whose header chip to open (pi3-b, pi3-b-plus, pi4-b, pi400, pi5, zero2-w,
                         compute-module4); default: detected from the device tree. The Pi 5 opens pinctrl-rp1.
        --chip CHIP      open this chip instead (name, /dev path or label, e.g. a gpio-sim chip).
        --wiring FILE    the lab's wiring file (default: wiring/NAME/wiring.json above the current directory
                         or beside dpcpi); its pins give the line numbers.
        -D, --duration   how long to run on real pins (default per lab: 5-20 s); Ctrl+C stops early and reports.

        Exit codes: 0 ok, 2 bad input or wiring file, 3 missing chip, busy line or no permission.
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var r = new ArgReader(Name, args);
        var name = r.Positional() ?? throw r.Error("missing lab name or 'list'; allowed: list, " + string.Join(", ", LabCatalog.All.Select(l => l.Name)));
        if (name == "list")
        {
            r.EnsureEmpty();
            var width = LabCatalog.All.Max(l => l.Name.Length);
            foreach (var l in LabCatalog.All)
            {
                output.WriteLine($"{l.Name.PadRight(width)}  {l.Summary}");
            }

            return Task.FromResult(ExitCodes.Ok);
        }

        var lab = LabCatalog.Find(name) ?? throw r.Error($"unknown lab '{name}'; allowed: {string.Join(", ", LabCatalog.All.Select(l => l.Name))}");

        // One vocabulary with latency and soak: --source, and --backend as its other spelling.
        var source = r.String(null, "source");
        var backend = r.String(null, "backend");
        if (source is not null && backend is not null && source != backend)
        {
            throw r.Error("--source and --backend name the same thing (where the interrupts come from); give one");
        }

        var kind = source ?? backend ?? "fake";
        var board = r.Enum<RaspberryPiModel>(null, "board");
        var chip = r.String(null, "chip");
        var wiringFile = r.String(null, "wiring");
        var duration = r.Duration("D", "duration");
        var bindings = r.Flag(null, "bindings");
        var noBindings = r.Flag(null, "no-bindings");
        r.EnsureEmpty();
        var beside = BesideCatalog.Find(lab.Name);
        if (bindings && beside is null)
        {
            throw r.Error($"lab {lab.Name} has no Iot.Device.Bindings device to run beside it; labs with one: {string.Join(", ", BesideCatalog.All.Select(b => b.Lab))}");
        }

        if (bindings && noBindings)
        {
            throw r.Error("--bindings and --no-bindings contradict each other; give one");
        }

        switch (kind)
        {
            case "fake":
                if (board is not null || chip is not null || wiringFile is not null || duration is not null)
                {
                    throw r.Error("--board, --chip, --wiring and -D are for --source gpio; the fake scenario is fixed");
                }

                output.Write(lab.RunFake().Format());
                if (beside is not null && !noBindings)
                {
                    output.WriteLine();
                    output.Write(beside.RunFake(realtime: true, cancellationToken).Format());
                }

                return Task.FromResult(ExitCodes.Ok);
            case "gpio":
                if (noBindings)
                {
                    throw r.Error("--no-bindings is for the fake run; on real pins the lab's own driver runs unless --bindings is given");
                }

                return Task.FromResult(RunGpio(r, lab, bindings ? beside : null, board, chip, wiringFile, duration, output, cancellationToken));
            default:
                throw r.Error($"--source '{kind}' is not valid for labs; allowed: fake, gpio");
        }
    }

    private static int RunGpio(ArgReader r, ILab lab, IBindingBeside? beside, RaspberryPiModel? model, string? chip, string? wiringFile, TimeSpan? duration, TextWriter output, CancellationToken cancellationToken)
    {
        if (duration is { } d && d <= TimeSpan.Zero)
        {
            throw r.Error("-D/--duration must be more than 0 for a lab");
        }

        var file = wiringFile ?? FindWiring(lab.Name)
            ?? throw r.Error($"no wiring/{lab.Name}/wiring.json above the current directory or beside dpcpi; give --wiring FILE");
        if (!File.Exists(file))
        {
            throw r.Error($"--wiring {file}: the file does not exist");
        }

        var wiring = WiringLoader.Load(file); // a bad file: WiringException, exit 2

        // The board names the chip (by label); with --chip and no --board none is needed (gpio-sim, a HAT).
        var board = model is { } m ? BoardCatalog.Get(m) : chip is null ? DetectBoard() : null;
        var backend = new LinuxGpioBackend();
        var pins = LabPins.Resolve(backend, wiring, file, board, chip); // a missing chip: GpioException, exit 3
        output.WriteLine($"{lab.Title}: on {(board is null ? string.Empty : board.DisplayName + ", ")}{pins.Chip.Name} [{pins.Chip.Label}], wiring {file}.");
        var run = new GpioLabRun(duration ?? lab.GpioDuration, output, cancellationToken);
        if (beside is not null)
        {
            using var rig = BesideRig.OnChip(pins.Chip.Name, realtime: true);
            output.Write(beside.RunGpio(rig, pins, run).Format());
            return ExitCodes.Ok;
        }

        using var bench = new GpioBench(backend, pins);
        var result = lab.RunGpio(bench, run);
        output.Write(result.Format());
        return ExitCodes.Ok;
    }

    // Detection reads the device tree; off a Pi, or on a board it does not know, say which flags name it instead.
    private static BoardInfo DetectBoard()
    {
        try
        {
            return BoardCatalog.Detect();
        }
        catch (GpioException ex)
        {
            throw new GpioException($"{ex.Message.TrimEnd('.')}. Give --board MODEL ({string.Join(", ", Enum.GetNames<RaspberryPiModel>().Select(ArgReader.Kebab))}) or --chip CHIP.", ex.Errno, ex);
        }
    }

    private static string? FindWiring(string lab)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            if (WiringRenderer.FindWiringRoot(start) is { } root && Path.Combine(root, lab, "wiring.json") is var path && File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}
