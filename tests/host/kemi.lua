-- Routing logic of the KEMI tests: every KSR.sl function, selected by the X-Action header.

-- KSR.sl.send_reply_error is Kamailio 6.0's; on 5.6 neither sl exports it.
local function send_reply_error()
	if KSR.sl.send_reply_error then
		KSR.sl.send_reply_error()
	else
		KSR.sl.sl_send_reply(501, "No send_reply_error")
	end
end
function ksr_request_route()
	local ci = KSR.pv.gete("$ci")
	if KSR.is_ACK() then
		KSR.log("notice", "ACK-SEEN " .. ci .. "\n")
		return 1
	end
	local a = KSR.pv.gete("$hdr(X-Action)")
	if a == "send_reply" then
		KSR.sl.send_reply(486, "Busy Lua")
	elseif a == "send_reply_tm" then
		KSR.tm.t_newtran()
		KSR.hdr.append_to_reply("X-Totag: " .. KSR.sl.get_reply_totag() .. "\r\n")
		KSR.sl.send_reply(486, "Busy TM Lua")
	elseif a == "mode" then
		KSR.sl.send_reply_mode(403, "Mode Lua", 0)
	elseif a == "error" then
		KSR.sl.sl_reply_error()
	elseif a == "send_reply_error" then
		send_reply_error()
	elseif a == "send_reply_error_tm" then
		KSR.tm.t_newtran()
		send_reply_error()
	elseif a == "totag" then
		KSR.hdr.append_to_reply("X-Totag: " .. KSR.sl.get_reply_totag() .. "\r\n")
		KSR.sl.sl_send_reply(200, "OK")
	elseif a == "bad" then
		if KSR.sl.sl_send_reply(404, "Bad\r\nX-Injected: yes") < 0 then
			KSR.sl.sl_send_reply(500, "Refused")
		end
	elseif a == "empty" or a == "empty_send_reply" then
		local f = a == "empty" and KSR.sl.sl_send_reply or KSR.sl.send_reply
		local r = f(404, "")
		if r < 0 then
			KSR.sl.sl_send_reply(500, "Empty " .. r)
		end
	elseif a == "forward" then
		KSR.pv.sets("$du", "sip:127.0.0.1:" .. KSR.pv.gete("$hdr(X-UAS)"))
		KSR.forward()
	else
		KSR.sl.sl_send_reply(404, "Not Here")
	end
	return 1
end

function ksr_reply_route()
	if string.find(KSR.pv.gete("$ci"), "^fwd") then
		KSR.sl.sl_forward_reply("404", "Lua Rewritten")
		KSR.x.drop()
	end
	return 1
end

function ksr_sl_filtered_ack(evname)
	KSR.log("notice", "FLACK-LUA " .. evname .. " " .. KSR.pv.gete("$ci") .. "\n")
	return 1
end

function ksr_sl_local_response(evname)
	local ci = KSR.pv.gete("$ci")
	KSR.log("notice", "LRES-LUA " .. evname .. " " .. ci .. "\n")
	if ci == "k-nested" then
		-- a reply asked for while sl sends one: refused, not a second reply
		KSR.log("notice", "NESTED " .. KSR.sl.sl_send_reply(500, "Nested") .. "\n")
	end
	return 1
end
