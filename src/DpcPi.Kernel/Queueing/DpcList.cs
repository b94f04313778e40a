namespace DpcPi.Kernel;

/// <summary>An intrusive doubly-linked DPC list: O(1) insert at either end and O(1) remove, no allocation.</summary>
internal struct DpcList
{
    private Dpc? _head;
    private Dpc? _tail;

    public int Count { get; private set; }

    public readonly Dpc? Head => _head;

    public void AddFirst(Dpc dpc)
    {
        dpc.Queue.Linked = true;
        dpc.Queue.Previous = null;
        dpc.Queue.Next = _head;
        if (_head is null)
        {
            _tail = dpc;
        }
        else
        {
            _head.Queue.Previous = dpc;
        }

        _head = dpc;
        Count++;
    }

    public void AddLast(Dpc dpc)
    {
        dpc.Queue.Linked = true;
        dpc.Queue.Next = null;
        dpc.Queue.Previous = _tail;
        if (_tail is null)
        {
            _head = dpc;
        }
        else
        {
            _tail.Queue.Next = dpc;
        }

        _tail = dpc;
        Count++;
    }

    public void Remove(Dpc dpc)
    {
        if (dpc.Queue.Previous is null)
        {
            _head = dpc.Queue.Next;
        }
        else
        {
            dpc.Queue.Previous.Queue.Next = dpc.Queue.Next;
        }

        if (dpc.Queue.Next is null)
        {
            _tail = dpc.Queue.Previous;
        }
        else
        {
            dpc.Queue.Next.Queue.Previous = dpc.Queue.Previous;
        }

        dpc.Queue.Next = null;
        dpc.Queue.Previous = null;
        dpc.Queue.Linked = false;
        Count--;
    }

    public Dpc? RemoveFirst()
    {
        var dpc = _head;
        if (dpc is not null)
        {
            Remove(dpc);
        }

        return dpc;
    }

    public readonly bool Contains(Dpc dpc)
    {
        for (var d = _head; d is not null; d = d.Queue.Next)
        {
            if (ReferenceEquals(d, dpc))
            {
                return true;
            }
        }

        return false;
    }
}
