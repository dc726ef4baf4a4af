# Elixir's GenServer on the workloads of bench/workloads/*.ts, for a side-by-side on one machine.
# bench/elixir.ts runs it (after the Node workloads, so the two never share the CPU) and reads
# one line per figure:
#
#     RESULT <key> <unit> <min> <median> <max>
#
# Keys match the Node rows: seq calls8 calls64 casts start_stop queued_<n> queued_enqueue_<n>
# queued_linearity heap.
# Usage: elixir bench/elixir/bench.exs [--quick]

defmodule Bench.Counter do
  use GenServer

  @impl true
  def init(n), do: {:ok, n}

  @impl true
  def handle_call(:get, _from, n), do: {:reply, n, n}

  @impl true
  def handle_cast({:add, k}, n), do: {:noreply, n + k}
end

defmodule Bench do
  alias Bench.Counter

  # Same budgets as the Node side: `ms` per measurement (half a Node round), `rounds` measurements
  # after one unmeasured warm-up.
  def config(["--quick"]), do: %{quick: true, rounds: 2, ms: 75, sizes: [25_000, 50_000, 100_000], idle: 5_000}
  def config([]), do: %{quick: false, rounds: 5, ms: 1000, sizes: [250_000, 500_000, 1_000_000], idle: 100_000}

  def now_ms, do: :erlang.monotonic_time(:microsecond) / 1000

  def median(values) do
    sorted = Enum.sort(values)
    n = length(sorted)
    mid = div(n, 2)
    if rem(n, 2) == 1, do: Enum.at(sorted, mid), else: (Enum.at(sorted, mid - 1) + Enum.at(sorted, mid)) / 2
  end

  def report(key, unit, values) do
    fmt = fn v -> :erlang.float_to_binary(v / 1, decimals: 3) end
    IO.puts("RESULT #{key} #{unit} #{fmt.(Enum.min(values))} #{fmt.(median(values))} #{fmt.(Enum.max(values))}")
    values
  end

  def rounds(cfg, rounds \\ nil, measure) do
    unless cfg.quick, do: measure.(cfg.ms / 4)
    for _ <- 1..(rounds || cfg.rounds) do
      :erlang.garbage_collect()
      measure.(cfg.ms)
    end
  end

  # Repeats `batch` (returns its op count) until `ms` have passed; ops/s.
  def ops_per_second(ms, batch) do
    start = now_ms()
    {ops, finish} = repeat(start + ms, batch, 0)
    ops * 1000 / (finish - start)
  end

  defp repeat(deadline, batch, ops) do
    ops = ops + batch.()
    now = now_ms()
    if now < deadline, do: repeat(deadline, batch, ops), else: {ops, now}
  end

  defp calls(_pid, 0), do: :ok
  defp calls(pid, n), do: (GenServer.call(pid, :get); calls(pid, n - 1))

  defp casts(_pid, 0), do: :ok
  defp casts(pid, n), do: (GenServer.cast(pid, {:add, 1}); casts(pid, n - 1))

  defp starts_stops(0), do: :ok
  defp starts_stops(n) do
    {:ok, pid} = GenServer.start(Counter, 0)
    :ok = GenServer.stop(pid)
    starts_stops(n - 1)
  end

  defp with_server(fun) do
    {:ok, pid} = GenServer.start(Counter, 0)
    try do
      fun.(pid)
    after
      GenServer.stop(pid)
    end
  end

  def seq(cfg) do
    with_server(fn pid ->
      values = rounds(cfg, fn ms -> ops_per_second(ms, fn -> calls(pid, 1000); 1000 end) end)
      report("seq", "ops/s", values)
    end)
  end

  def concurrent(cfg, callers) do
    with_server(fn pid ->
      values =
        rounds(cfg, fn ms ->
          parent = self()
          start = now_ms()
          deadline = start + ms
          for _ <- 1..callers, do: spawn_link(fn -> send(parent, {:calls, caller(pid, deadline, 0)}) end)
          total = Enum.reduce(1..callers, 0, fn _, acc -> receive do: ({:calls, n} -> acc + n) end)
          total * 1000 / (now_ms() - start)
        end)
      report("calls#{callers}", "ops/s", values)
    end)
  end

  defp caller(pid, deadline, ops) do
    calls(pid, 64)
    if now_ms() < deadline, do: caller(pid, deadline, ops + 64), else: ops + 64
  end

  def casts_then_sync(cfg) do
    with_server(fn pid ->
      values =
        rounds(cfg, fn ms ->
          ops_per_second(ms, fn ->
            casts(pid, 1000)
            GenServer.call(pid, :get)
            1000
          end)
        end)
      report("casts", "ops/s", values)
    end)
  end

  def start_stop(cfg) do
    values = rounds(cfg, fn ms -> ops_per_second(ms, fn -> starts_stops(100); 100 end) end)
    report("start_stop", "ops/s", values)
  end

  # Like the Node side: the mailbox is filled while the server is suspended (:sys.suspend), then
  # the drain is timed from :sys.resume to the reply of a call queued behind every cast.
  def queued(cfg) do
    drains =
      for n <- cfg.sizes do
        pairs =
          rounds(cfg, fn _ms ->
            with_server(fn pid ->
              :sys.suspend(pid)
              start = now_ms()
              casts(pid, n)
              enqueue = now_ms() - start
              start = now_ms()
              :sys.resume(pid)
              ^n = GenServer.call(pid, :get, :infinity)
              {now_ms() - start, enqueue}
            end)
          end)
        report("queued_#{n}", "ms", Enum.map(pairs, &elem(&1, 0)))
        report("queued_enqueue_#{n}", "ms", Enum.map(pairs, &elem(&1, 1)))
        {n, Enum.min(Enum.map(pairs, &elem(&1, 0)))}
      end
    # From each count's fastest drain, as on the Node side: noise only ever adds time.
    {small, t_small} = List.first(drains)
    {large, t_large} = List.last(drains)
    report("queued_linearity", "x", [t_large / large / (t_small / small)])
  end

  # Memory of the processes (heap, stack, mailbox, process struct) over `idle` idle servers, minus
  # the growth of this process itself (the list of pids).
  def heap(cfg) do
    values =
      rounds(cfg, min(cfg.rounds, 3), fn _ms ->
        :erlang.garbage_collect()
        {:memory, self_before} = Process.info(self(), :memory)
        before = :erlang.memory(:processes)
        pids = for _ <- 1..cfg.idle, do: elem(GenServer.start(Counter, 0), 1)
        {:memory, self_after} = Process.info(self(), :memory)
        bytes = :erlang.memory(:processes) - before - (self_after - self_before)
        Enum.each(pids, &GenServer.stop/1)
        bytes / cfg.idle
      end)
    report("heap", "B", values)
  end

  def main(args) do
    cfg = config(args)
    IO.puts("INFO elixir=#{System.version()} otp=#{System.otp_release()} schedulers=#{System.schedulers_online()}")
    seq(cfg)
    concurrent(cfg, 8)
    concurrent(cfg, 64)
    casts_then_sync(cfg)
    start_stop(cfg)
    queued(cfg)
    heap(cfg)
  end
end

Bench.main(System.argv())
