# Developer entry points. Everything runs from the repository root so that
# go.work ties the modules together.

GO      ?= go
PKGS    := ./shared/... ./services/gateway/... ./services/callouts/... \
           ./services/telephony/... ./services/batches/... ./devstack/... \
           ./deploy/chartcheck/... ./examples/...
SERVICES := gateway callouts telephony batches
TIMEOUT ?= 20m

.PHONY: run test vet build fmt lint clean helm-lint helm-template demo

## run: start PostgreSQL, NATS and the four services with data in ./.data
# The supervisor is built and then run directly rather than with go run,
# which exits with status 1 whenever it sees Ctrl-C.
run:
	@mkdir -p bin
	$(GO) build -o bin/scfm-dev ./devstack/cmd/scfm-dev
	./bin/scfm-dev

## demo: on a running `make run`, import examples/contacts.csv, call the
## contacts of every language through the simulator with retries, and check the outcome
demo:
	@mkdir -p bin
	$(GO) build -o bin/scfm ./services/gateway/cmd/scfm
	./bin/scfm demo --contacts examples/contacts.csv

## test: vet, then run every test of every workspace module
test: vet
	$(GO) test -count=1 -timeout $(TIMEOUT) $(PKGS)

## vet: go vet across the workspace
vet:
	$(GO) vet $(PKGS)

## build: compile the service binaries and scfm-dev into ./bin
build:
	@mkdir -p bin
	$(GO) build -o bin/ $(foreach s,$(SERVICES),./services/$(s)/cmd/$(s)) \
		./devstack/cmd/scfm-dev

## fmt: format all Go files
fmt:
	gofmt -w shared services devstack examples

## lint: fail on unformatted files, then vet
lint: vet
	@out="$$(gofmt -l shared services devstack examples)"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# helm runs through go tool from its own module file, so there is nothing to
# install and no workspace module sees its dependencies (the first run builds
# it, about two minutes). The go command wants a go.mod next to where it runs
# even with -modfile; the chart-check module's serves and is not read.
HELM  = GOWORK=off $(GO) -C deploy/chartcheck tool -modfile=$(CURDIR)/tools/helm.mod helm
CHART = $(CURDIR)/deploy/helm/scfm

## helm-lint: lint the chart with its default and its production values
helm-lint:
	$(HELM) lint --strict $(CHART)
	$(HELM) lint --strict $(CHART) -f $(CHART)/values-production.yaml

## helm-template: print the chart's manifests (VALUES=file to add a values file)
helm-template:
	@$(HELM) template scfm $(CHART) $(if $(VALUES),-f $(abspath $(VALUES)))

## clean: remove local data and built binaries
clean:
	rm -rf .data bin
