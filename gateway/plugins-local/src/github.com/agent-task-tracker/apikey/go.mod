module github.com/agent-task-tracker/apikey

go 1.22
