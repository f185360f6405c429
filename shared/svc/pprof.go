package svc

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves Go's profiling endpoints on PprofAddr until ctx ends.
// They sit on a listener of their own so that turning them on never puts
// heap dumps beside the API or the metrics a cluster scrapes.
func (rt *Runtime) servePprof(ctx context.Context) {
	if rt.Cfg.PprofAddr == "" {
		return
	}
	ln, err := net.Listen("tcp", rt.Cfg.PprofAddr)
	if err != nil {
		rt.Log.Warn("pprof listener not started", "addr", rt.Cfg.PprofAddr, "err", err)
		return
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	rt.Log.Info("pprof listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		rt.Log.Warn("pprof server stopped", "err", err)
	}
}
