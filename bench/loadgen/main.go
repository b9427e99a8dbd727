// Command loadgen posts webhooks the way a fleet of agents does, open-loop, and reports how
// they were answered.
//
// Every task is a start, three status reports and a finish (every fifth task fails instead),
// each task with a new task id. Requests leave on a fixed schedule whether or not earlier ones
// have been answered, and each latency counts from the moment its request was due, so a slow
// server cannot slow the load down and hide its own tail. Most requests share a pool of
// keep-alive connections; a share of them opens a new connection each, as curl- and
// hook-based agents do.
//
// With -tasks FILE it reports on tasks that already exist instead: every webhook is a status
// of the next task listed in FILE (one "project<TAB>task_id<TAB>title<TAB>agent" line each,
// taken in turn and round again), with the progress rising by one on each round.
//
// It sends for -duration, or until it gets SIGINT or SIGTERM, and then prints one JSON
// object: counts, answers by status, and latency percentiles in seconds.
// With -stamp FILE every event carries a new event_id, and FILE receives one line per event:
// the id and the Unix time in nanoseconds it was due, so a receiver can time its arrival.
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

type answer struct {
	latency time.Duration
	status  int // 0: no answer (connection error or timeout)
}

type summary struct {
	Sent        int            `json:"sent"`
	Answered2xx int            `json:"answered_2xx"`
	Non2xx      int            `json:"non_2xx"`
	Errors      int            `json:"errors"`
	Statuses    map[string]int `json:"statuses"`
	Seconds     float64        `json:"seconds"`
	Rate        float64        `json:"rate"`
	P50         float64        `json:"p50"`
	P90         float64        `json:"p90"`
	P99         float64        `json:"p99"`
	Max         float64        `json:"max"`
	FirstError  string         `json:"first_error,omitempty"`
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8000", "where to post /webhook/<kind>")
	rate := flag.Float64("rate", 1000, "webhooks per second")
	duration := flag.Duration("duration", 60*time.Second, "how long to send")
	connections := flag.Int("connections", 256, "keep-alive connections")
	newShare := flag.Float64("new-connection-share", 0.1, "share of requests sent on a new connection each")
	project := flag.String("project", "bench-fleet", "project of every task")
	agents := flag.Int("agents", 100, "distinct agent names")
	timeout := flag.Duration("timeout", 30*time.Second, "per request")
	stamp := flag.String("stamp", "", "write event ids and due times here")
	tasksFile := flag.String("tasks", "", "post statuses of the tasks listed here (project, task_id, title, agent; tab-separated)")
	var headers headerFlags
	flag.Var(&headers, "H", "a request header, 'Name: value' (repeatable)")
	flag.Parse()

	keepAlive := &http.Client{Timeout: *timeout, Transport: &http.Transport{
		MaxIdleConns:        *connections,
		MaxIdleConnsPerHost: *connections,
		MaxConnsPerHost:     *connections,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}}
	fresh := &http.Client{Timeout: *timeout, Transport: &http.Transport{
		DisableKeepAlives:  true,
		DisableCompression: true,
	}}
	parsedHeaders := http.Header{"Content-Type": {"application/json"}}
	for _, h := range headers {
		name, value, found := strings.Cut(h, ":")
		if !found {
			fmt.Fprintf(os.Stderr, "loadgen: a header is 'Name: value', not %q\n", h)
			os.Exit(2)
		}
		parsedHeaders.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}

	var stamps *bufio.Writer
	if *stamp != "" {
		file, err := os.Create(*stamp)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
		defer file.Close()
		stamps = bufio.NewWriter(file)
		defer stamps.Flush()
	}

	run := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	next := func(i int) (string, []byte) { return event(i, run, *project, *agents) }
	if *tasksFile != "" {
		tasks, err := readTasks(*tasksFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
		next = func(i int) (string, []byte) { return "status", statusOf(tasks, i) }
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)

	total := int(*rate * duration.Seconds())
	interval := time.Duration(float64(time.Second) / *rate)
	answers := make(chan answer, 4096)
	var firstError string
	var errorOnce sync.Once
	var collected []answer
	done := make(chan struct{})
	go func() {
		for a := range answers {
			collected = append(collected, a)
		}
		close(done)
	}()

	var inFlight sync.WaitGroup
	start := time.Now()
	// Requests on new connections are spread evenly (every 10th for a share of 0.1) rather
	// than drawn at random, so that two runs send exactly the same load.
	newEvery := 0
	if *newShare > 0 {
		newEvery = int(1 / *newShare + 0.5)
	}
sending:
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-stop:
				break sending
			case <-time.After(wait):
			}
		}
		kind, body := next(i)
		if stamps != nil {
			id := uuid4()
			body = append(body[:len(body)-1], []byte(`,"event_id":"`+id+`"}`)...)
			fmt.Fprintf(stamps, "%s %d\n", id, due.UnixNano())
		}
		client := keepAlive
		if newEvery > 0 && i%newEvery == newEvery-1 {
			client = fresh
		}
		inFlight.Add(1)
		go func(due time.Time, kind string, body []byte) {
			defer inFlight.Done()
			request, _ := http.NewRequest(http.MethodPost, *base+"/webhook/"+kind, bytes.NewReader(body))
			request.Header = parsedHeaders.Clone()
			response, err := client.Do(request)
			if err != nil {
				errorOnce.Do(func() { firstError = err.Error() })
				answers <- answer{latency: time.Since(due)}
				return
			}
			_, _ = io.Copy(io.Discard, response.Body)
			response.Body.Close()
			answers <- answer{latency: time.Since(due), status: response.StatusCode}
		}(due, kind, body)
	}
	inFlight.Wait()
	elapsed := time.Since(start)
	close(answers)
	<-done

	out := summarize(collected, elapsed)
	out.FirstError = firstError
	encoded, _ := json.Marshal(out)
	fmt.Println(string(encoded))
}

// event is the i-th webhook of the load: task i/5, step i%5.
func event(i int, run, project string, agents int) (string, []byte) {
	number := i / 5
	task := `{"project":` + strconv.Quote(project) +
		`,"task":"Fleet task ` + strconv.Itoa(number) +
		`","task_id":"fleet-` + run + `-` + strconv.Itoa(number) +
		`","agent":"agent-` + strconv.Itoa(number%agents) + `"`
	switch step := i % 5; {
	case step == 0:
		return "start", []byte(task + `}`)
	case step < 4:
		return "status", []byte(task + `,"status":"running","progress":` + strconv.Itoa(25*step) + `}`)
	case number%5 == 4:
		return "error", []byte(task + `,"error_type":"FleetError","error_message":"planned"}`)
	default:
		return "finish", []byte(task + `,"result":"ok","duration_seconds":1.5}`)
	}
}

// task is one line of the -tasks file, its fields already quoted for JSON.
type task struct{ project, taskID, title, agent string }

func readTasks(path string) ([]task, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tasks []task
	for number, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: want project, task_id, title and agent, tab-separated", path, number+1)
		}
		quoted := make([]string, 4)
		for j, field := range fields {
			encoded, _ := json.Marshal(field)
			quoted[j] = string(encoded)
		}
		tasks = append(tasks, task{quoted[0], quoted[1], quoted[2], quoted[3]})
	}
	if len(tasks) == 0 {
		return nil, fmt.Errorf("%s lists no task", path)
	}
	return tasks, nil
}

// statusOf is the i-th webhook of a -tasks load: a status of task i % len(tasks).
func statusOf(tasks []task, i int) []byte {
	t := tasks[i%len(tasks)]
	round := i / len(tasks)
	return []byte(`{"project":` + t.project + `,"task":` + t.title + `,"task_id":` + t.taskID +
		`,"agent":` + t.agent + `,"status":"running","progress":` + strconv.Itoa(round%100) +
		`,"message":"step ` + strconv.Itoa(round) + `"}`)
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func summarize(answers []answer, elapsed time.Duration) summary {
	out := summary{Sent: len(answers), Statuses: map[string]int{}, Seconds: elapsed.Seconds()}
	latencies := make([]time.Duration, 0, len(answers))
	for _, a := range answers {
		if a.status == 0 {
			out.Errors++
			out.Statuses["error"]++
			continue
		}
		out.Statuses[strconv.Itoa(a.status)]++
		if a.status >= 200 && a.status < 300 {
			out.Answered2xx++
		} else {
			out.Non2xx++
		}
		latencies = append(latencies, a.latency)
	}
	out.Rate = float64(out.Answered2xx) / elapsed.Seconds()
	if len(latencies) == 0 {
		return out
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	at := func(fraction float64) float64 {
		index := int(fraction*float64(len(latencies))+0.5) - 1
		if index < 0 {
			index = 0
		}
		if index >= len(latencies) {
			index = len(latencies) - 1
		}
		return latencies[index].Seconds()
	}
	out.P50, out.P90, out.P99, out.Max = at(0.50), at(0.90), at(0.99), latencies[len(latencies)-1].Seconds()
	return out
}
